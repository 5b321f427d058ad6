# "+ LFB" with dropout 0.2 (./global-lfb-drop_...py) and the bank window *without the current
# keyframe* (FeatureBank(exclude_current=True)): the bank's entry at the actor's own keyframe is
# the short-term model's feature of the very RoI being classified, which on the training split
# (where that model was fit) carries its label better than on validation. Diagnostic row of the
# multi-scale ablation (`--lfb-config`), not the report's setting (Wu et al. read the current
# second too).
_base_ = ['./global-lfb-drop_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(roi_head=dict(shared_head=dict(heads=dict(feature_bank=dict(
    bank=dict(exclude_current=True))))))
