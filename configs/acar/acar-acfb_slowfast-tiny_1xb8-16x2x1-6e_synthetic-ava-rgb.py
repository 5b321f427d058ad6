# ACAR + Actor-Context Feature Bank (seed 001, "ACFB"), tiny CPU chain: the ACAR head whose pooled
# relation features also attend to the bank of pooled first-order actor-context relation
# features of the keyframes -8 s .. +8 s around the clip (5 actors per keyframe at most).
# The bank is dumped from a trained ACAR model (`./acar_slowfast-tiny_...py`) over both splits:
#   python tools/dump_features.py configs/acar/acar_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py \
#       work_dirs/acar_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb/epoch_6.pth \
#       --out data/synthetic/small/acfb --split train --split val
# The model is trained from scratch with it, on the same schedule as ACAR.
_base_ = ['./acar_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

bank_root = 'data/synthetic/small/acfb'
model = dict(
    roi_head=dict(
        bank_attention=True,
        bank_channels=32,  # the ACAR model's hidden_channels
        bank_heads=1,
        bank_dropout=0.0,
        long_term_bank=dict(root=bank_root, window=(-8, 8), max_per_keyframe=5,
                            exclude_current=False)))
