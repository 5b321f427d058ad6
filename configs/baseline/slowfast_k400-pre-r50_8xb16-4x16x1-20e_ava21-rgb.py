# Baseline STAD on AVA v2.1: mmaction2's SlowFast R50 + AVARoIHead (FastRCNN), unchanged, with this
# project's dataset (safe proposal loading, validated annotations), official-semantics scorer and
# atomic checkpoints.
_base_ = [
    'mmaction::detection/slowfast/slowfast_kinetics400-pretrained-r50_8xb16-4x16x1-20e_ava21-rgb.py',
    '../_base_/plugins.py',
]

default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
train_dataloader = dict(dataset=dict(type='STADDataset'))
val_dataloader = dict(dataset=dict(type='STADDataset'))
test_dataloader = dict(dataset=dict(type='STADDataset'))
# scored like the official evaluator (mmaction2's own differs: see mmaction_plugins/evaluation)
val_evaluator = dict(type='OfficialAVAMetric')
test_evaluator = dict(type='OfficialAVAMetric')
