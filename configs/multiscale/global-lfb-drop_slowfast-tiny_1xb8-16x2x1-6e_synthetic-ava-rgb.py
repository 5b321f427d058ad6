# "+ LFB" on the tiny CPU chain with the feature-bank operator's dropout at mmaction2's LFB
# setting (and the full-scale config's): 0.2 on the short-term and on the long-term features
# instead of the tiny config's 0.0. A bank dumped from a model trained on the same training
# split hands the operator features that fit their labels there better than at test time;
# dropout is how Wu et al.'s LFB keeps the classifier from leaning on them (row `+lfb`,
# `--lfb-config`; configs/multiscale/README.md).
_base_ = ['./global-lfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(roi_head=dict(shared_head=dict(heads=dict(feature_bank=dict(
    fbo_cfg=dict(st_feat_dropout_ratio=0.2, lt_feat_dropout_ratio=0.2))))))
