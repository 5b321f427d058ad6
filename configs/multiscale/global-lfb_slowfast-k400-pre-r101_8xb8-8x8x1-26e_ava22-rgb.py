# Seed 003, row "SlowFast + LFB + global pooling feature": the "+ global" model (2304-d RoI
# feature + 256-d global vector) whose fused feature then attends to a long-term feature bank
# (Wu et al.; mmaction2's non-local feature-bank operator, 2 layers, 512 latent channels) holding
# the pooled RoI features of the short-term model at the keyframes of a 100 s window centred on
# the keyframe (the report's; 5 actors per second). Dump the bank from a trained short-term model:
#   python tools/dump_features.py configs/multiscale/short-term_slowfast-k400-pre-r101_8xb8-8x8x1-26e_ava22-rgb.py \
#       SHORT_TERM_CKPT --out data/ava/lfb_short-term --split train --split val
# (2304 channels in float16: 4.6 kB per actor and keyframe.)
_base_ = ['./global_slowfast-k400-pre-r101_8xb8-8x8x1-26e_ava22-rgb.py']

window = (-50, 49)  # 100 one-second steps centred on the keyframe
max_per_keyframe = 5
model = dict(
    roi_head=dict(
        shared_head=dict(
            _delete_=True,
            type='mmaction.SharedHeadChain',
            order=['global_context', 'feature_bank'],
            heads=dict(  # named: a leaf config changes one head by its name
                global_context=dict(
                    type='mmaction.GlobalContextHead', in_channels=2304, global_channels=256,
                    with_relu=True, dropout=0.0),
                feature_bank=dict(
                    type='mmaction.BankFBOHead',
                    bank=dict(root='data/ava/lfb_short-term', window=window,
                              max_per_keyframe=max_per_keyframe),
                    fbo_cfg=dict(
                        type='non_local',
                        st_feat_channels=2560,
                        lt_feat_channels=2304,
                        latent_channels=512,
                        num_st_feat=1,
                        num_lt_feat=(window[1] - window[0] + 1) * max_per_keyframe,
                        num_non_local_layers=2,
                        st_feat_dropout_ratio=0.2,
                        lt_feat_dropout_ratio=0.2,
                        pre_activate=True)),
            )),
        bbox_head=dict(in_channels=3072)))  # 2560 + FBO latent 512
