# Table 3, row 1 (augmentation only): the body feature and a classifier per part; no action
# category, no RoI part features, no attention.
_base_ = ['./part-state-action_swin-l-p4-w7-in22k-pre_8xb64-20e_kinetics-tps.py']

model = dict(head=dict(with_action=False))
