# Table 3, row 2 (augmentation + action info): no RoI part features (each part token is the body
# feature with the action embedding; per-part classifiers), no attention.
_base_ = ['./part-state-roi_swin-l-p4-w7-in22k-pre_8xb64-20e_kinetics-tps.py']

model = dict(head=dict(with_roi_pool=False))
