"""Ablation helpers: class groups of the synthetic benchmark, seed statistics, result tables."""

from mmaction_plugins.analysis.ablation_table import (
    SeedStats,
    markdown_table,
    paired_difference,
    seed_stats,
)
from mmaction_plugins.analysis.class_groups import class_groups, frequency_groups, group_means

__all__ = ['SeedStats', 'class_groups', 'frequency_groups', 'group_means', 'markdown_table',
           'paired_difference', 'seed_stats']
