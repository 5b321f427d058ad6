# PCCA on the tiny CPU chain with output='concat' (not the report's setting): the classifier reads
# the pooled person feature itself beside the cross-attention output, [q ; x] of 96 + 96 channels.
# A measurement: at 12 epochs PCCA's context AP falls 8.9 points below the linear head's, and a
# linear probe reads less context from its attention output than from its own pooled person
# feature (configs/pcca/README.md). Base-chain probe: `--heads pcca-concat`.
_base_ = ['./pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(roi_head=dict(cross_attention=dict(output='concat'),
                           bbox_head=dict(in_channels=192)))
