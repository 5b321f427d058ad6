# Multi-scale features (seed 003), "+ long-term feature bank" on the tiny CPU chain: the
# "+ global" model (./global_slowfast-tiny_...py) whose fused [RoI; global] feature then attends
# to a long-term feature bank (Wu et al.'s LFB, mmaction2's non-local feature-bank operator):
# the pooled RoI features of the "short-term only" model (the tiny baseline) at the keyframes
# -8 s .. +8 s (5 actors each). The report's SlowFast + LFB + global model, here as one chain of
# two shared heads. Dump the bank from a trained short-term model first:
#   python tools/dump_features.py configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py \
#       work_dirs/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb/epoch_6.pth \
#       --out data/synthetic/small/lfb_short-term --split train --split val
_base_ = ['./global_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

window = (-8, 8)
max_per_keyframe = 5
model = dict(
    roi_head=dict(
        shared_head=dict(
            _delete_=True,
            type='mmaction.SharedHeadChain',
            order=['global_context', 'feature_bank'],
            heads=dict(  # named: a leaf config changes one head by its name
                global_context=dict(
                    type='mmaction.GlobalContextHead', in_channels=96, global_channels=16,
                    with_relu=True, dropout=0.0),
                feature_bank=dict(
                    type='mmaction.BankFBOHead',
                    bank=dict(root='data/synthetic/small/lfb_short-term', window=window,
                              max_per_keyframe=max_per_keyframe),
                    fbo_cfg=dict(
                        type='non_local',
                        st_feat_channels=112,  # RoI 96 + global 16
                        lt_feat_channels=96,  # the short-term model's RoI features
                        latent_channels=32,
                        num_st_feat=1,
                        num_lt_feat=(window[1] - window[0] + 1) * max_per_keyframe,
                        num_non_local_layers=2,
                        st_feat_dropout_ratio=0.0,
                        lt_feat_dropout_ratio=0.0,
                        pre_activate=True)),
            )),
        bbox_head=dict(in_channels=144)))  # 112 + FBO latent 32
