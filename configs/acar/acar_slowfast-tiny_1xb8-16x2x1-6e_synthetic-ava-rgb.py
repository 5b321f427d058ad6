# ACAR (seed 001), the Actor-Context-Actor Relation head on the tiny CPU chain: the actor's RoI
# feature tiled over the clip's context map -> first-order relation maps -> HR2O (actors of the
# clip attend to each other at every position) -> mean over space, concatenated with the actor
# feature -> linear classifier. The tiny SlowFast's context map is only 8 x 8 cells (test: 8 x 11,
# feature stride 8), so the relation convolution keeps it (padding 1) and there is no 2x
# downsampling (full scale: padding 0 and max-pool, as ACAR-Net).
_base_ = ['./linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(
    roi_head=dict(
        type='mmaction.ACARRoIHead',  # the model block is mmdet-scoped
        in_channels=96,  # slow 64 + fast 32 channels
        reduce_channels=64,
        hidden_channels=32,
        actor_channels=48,
        relation_kernel=3,
        relation_padding=1,
        downsample='none',
        hr2o=dict(depth=2, num_heads=1, kernel_size=3, norm='group', norm_groups=1,
                  dropout=0.2),
        bbox_head=dict(in_channels=80)))  # actor 48 + relation 32
