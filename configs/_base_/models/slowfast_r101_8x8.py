# SlowFast R101 8x8 (T x tau = 8 x 8, alpha = 4, beta = 1/8) as overrides of mmaction2's SlowFast
# R50 AVA-style detection model (the seeds' backbone: 000 PCCA, 001 ACAR). A leaf inheriting an
# AVA-style detection config and this file applies it with
# `model = dict(backbone={{_base_.slowfast_r101_8x8}}, init_cfg=dict(type='Pretrained',
# checkpoint={{_base_.slowfast_r101_8x8_k400}}))`; inputs are 32 frames at interval 2
# (`SampleAVAFrames(clip_len=32, frame_interval=2)`); RoI features have 2048 + 256 = 2304 channels.
slowfast_r101_8x8 = dict(
    resample_rate=4,  # tau: the slow pathway takes every 4th of the 32 input frames -> 8
    speed_ratio=4,  # alpha
    channel_ratio=8,
    slow_pathway=dict(depth=101, fusion_kernel=7),
    fast_pathway=dict(depth=101))
# mmaction2 model zoo: slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb (recognizer weights; the
# backbone.* keys are loaded, cls_head.* ignored). Give a local path for offline runs.
slowfast_r101_8x8_k400 = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/slowfast/'
    'slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb/'
    'slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb_20220901-9c0e09bd.pth')
