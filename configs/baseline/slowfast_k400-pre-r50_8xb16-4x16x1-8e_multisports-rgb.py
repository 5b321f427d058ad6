# Baseline STAD on MultiSports: mmaction2's SlowFast R50 MultiSports config, unchanged, with this
# project's dataset (safe proposal loading, validated annotations), official-semantics scorer and
# atomic checkpoints.
_base_ = [
    'mmaction::detection/slowfast/slowfast_kinetics400-pretrained-r50_8xb16-4x16x1-8e_multisports-rgb.py',
    '../_base_/plugins.py',
]

default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
train_dataloader = dict(dataset=dict(type='STADDataset'))
val_dataloader = dict(dataset=dict(type='STADDataset'))
test_dataloader = dict(dataset=dict(type='STADDataset'))
# scored like the official evaluator (mmaction2's own differs: see mmaction_plugins/evaluation)
val_evaluator = dict(type='OfficialMultiSportsMetric')
test_evaluator = dict(type='OfficialMultiSportsMetric')
