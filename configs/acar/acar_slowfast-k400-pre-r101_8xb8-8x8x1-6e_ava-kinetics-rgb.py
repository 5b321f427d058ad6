# ACAR report (seed 001), row "ACAR" (34.58 mAP on AVA-Kinetics val): the linear chain with the
# Actor-Context-Actor Relation head, ACAR-Net's R101 settings — reduce 2304 -> 1024, relation
# maps of 512 channels (1x1 conv on [context; actor], 3x3 conv without padding, 2x max-pool), one
# HR2O layer (3x3 q/k/v, GroupNorm(1), dropout 0.2), actor branch Linear(1024, 512); classifier
# on [actor 512; relation 512].
_base_ = ['./linear_slowfast-k400-pre-r101_8xb8-8x8x1-6e_ava-kinetics-rgb.py']

model = dict(
    roi_head=dict(
        type='mmaction.ACARRoIHead',  # the model block is mmdet-scoped
        in_channels=2304,
        reduce_channels=1024,
        hidden_channels=512,
        actor_channels=512,
        relation_kernel=3,
        relation_padding=0,
        downsample='max2x2',
        hr2o=dict(depth=1, num_heads=1, kernel_size=3, norm='group', norm_groups=1,
                  dropout=0.2),
        bbox_head=dict(in_channels=1024)))
