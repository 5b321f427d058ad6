"""Ablation helpers: class groups of the synthetic benchmark, seed statistics, result tables."""

from mmaction_plugins.analysis.ablation_table import (
    SeedStats,
    chance_line,
    claims_table,
    groups_line,
    markdown_table,
    paired_difference,
    seed_stats,
    seed_table,
)
from mmaction_plugins.analysis.class_groups import (
    CHANCE_ROW,
    class_groups,
    class_prevalence,
    frequency_groups,
    group_means,
    overall_and_group_means,
    val_prevalence,
)

__all__ = ['CHANCE_ROW', 'SeedStats', 'chance_line', 'claims_table', 'class_groups',
           'class_prevalence', 'frequency_groups', 'group_means', 'groups_line', 'markdown_table',
           'overall_and_group_means', 'paired_difference', 'seed_stats', 'seed_table',
           'val_prevalence']
