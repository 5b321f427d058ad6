# Table 3, row 3 (augmentation + action info + RoI pooling): the full part-state network without
# the multi-head attention across parts.
_base_ = ['./part-state-mha_swin-l-p4-w7-in22k-pre_8xb64-20e_kinetics-tps.py']

model = dict(head=dict(with_attention=False))
