# ACAR report (seed 001), row "ACFB" (35.84 mAP on AVA-Kinetics val): ACAR whose relation features
# also attend to the Actor-Context Feature Bank — the pooled first-order actor-context relation
# features of the keyframes -10 s .. +10 s around the clip (5 actors per keyframe), dumped from a
# trained ACAR model (./acar_slowfast-k400-pre-r101_...py) over both splits:
#   python tools/dump_features.py configs/acar/acar_slowfast-k400-pre-r101_8xb8-8x8x1-6e_ava-kinetics-rgb.py \
#       ACAR_CKPT --out data/ava_kinetics/acfb --split train --split val
# (512 channels in float16: 1 kB per actor and keyframe, ~0.5 GB for AVA-Kinetics train + val).
# The window is not in the report: +-10 s is this project's choice.
_base_ = ['./acar_slowfast-k400-pre-r101_8xb8-8x8x1-6e_ava-kinetics-rgb.py']

model = dict(
    roi_head=dict(
        bank_attention=True,
        bank_channels=512,
        bank_heads=8,
        bank_dropout=0.2,
        long_term_bank=dict(root='data/ava_kinetics/acfb', window=(-10, 10),
                            max_per_keyframe=5, exclude_current=False)))
