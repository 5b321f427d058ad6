# Linear head + long-term feature bank (Wu et al.'s LFB, the report's "Actor Feature Bank"), the
# mmaction2 way: AVARoIHead with a feature-bank operator shared head (mmaction2's FBONonLocal)
# over the RoI features of the keyframes -8 s .. +8 s, 5 actors per keyframe. The bank holds the
# pooled RoI features of a trained linear model (`./linear_slowfast-tiny_...py`):
#   python tools/dump_features.py configs/acar/linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py \
#       work_dirs/linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb/epoch_6.pth \
#       --out data/synthetic/small/lfb --split train --split val
_base_ = ['./linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

bank_root = 'data/synthetic/small/lfb'
window = (-8, 8)
max_per_keyframe = 5
model = dict(
    roi_head=dict(
        shared_head=dict(
            type='mmaction.BankFBOHead',
            bank=dict(root=bank_root, window=window, max_per_keyframe=max_per_keyframe),
            fbo_cfg=dict(
                type='non_local',
                st_feat_channels=96,
                lt_feat_channels=96,
                latent_channels=32,
                num_st_feat=1,
                num_lt_feat=(window[1] - window[0] + 1) * max_per_keyframe,
                num_non_local_layers=2,
                st_feat_dropout_ratio=0.0,
                lt_feat_dropout_ratio=0.0,
                pre_activate=True)),
        bbox_head=dict(in_channels=128)))  # RoI 96 + FBO latent 32
