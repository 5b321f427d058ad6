"""Per-class AP bar chart (PNG), one panel per metric, bars coloured by class group."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

from mmaction_plugins.utils.atomic_io import atomic_write_bytes

__all__ = ['plot_class_ap']

_GROUP_COLORS = ['#4C72B0', '#DD8452', '#55A868', '#C44E52', '#8172B3', '#937860', '#DA8BC3',
                 '#8C8C8C']


def plot_class_ap(path: str, panels: Mapping[str, Mapping[str, float]],
                  groups: Mapping[str, str] | None = None, title: str = '') -> str:
    """Draw horizontal bars of per-class AP and write the PNG atomically.

    Args:
        path: Output ``.png``.
        panels: panel title → (class name → AP in ``[0, 1]``; ``nan`` = no ground truth, drawn
            as an empty row marked "n/a").
        groups: class name → group name (bar colour and legend); classes without a group are grey.
        title: Figure title.

    Returns:
        str: ``path``.
    """
    import matplotlib

    matplotlib.use('Agg', force=True)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    groups = dict(groups or {})
    group_names = list(dict.fromkeys(groups.values()))
    color_of = {g: _GROUP_COLORS[i % len(_GROUP_COLORS)] for i, g in enumerate(group_names)}
    n_rows = max((len(p) for p in panels.values()), default=1)
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(5.5 * max(len(panels), 1),
                                                               0.32 * n_rows + 1.6),
                             squeeze=False)
    for ax, (name, aps) in zip(axes[0], panels.items()):
        classes = list(aps)
        vals = [aps[c] for c in classes]
        shown = [0.0 if v is None or math.isnan(v) else float(v) for v in vals]
        colors = [color_of.get(groups.get(c, ''), '#BBBBBB') for c in classes]
        ys = list(range(len(classes)))[::-1]
        ax.barh(ys, shown, color=colors)
        for y, v in zip(ys, vals):
            label = 'n/a' if v is None or math.isnan(v) else f'{v:.2f}'
            ax.text(min(float(v) if label != 'n/a' else 0.0, 0.88) + 0.01, y, label,
                    va='center', fontsize=7)
        ax.set_yticks(ys, classes, fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel('AP')
        finite = [v for v in vals if v is not None and not math.isnan(v)]
        mean = sum(finite) / len(finite) if finite else float('nan')
        ax.set_title(f'{name} (mean {mean:.3f})', fontsize=10)
        ax.grid(axis='x', alpha=0.3)
    if group_names:
        fig.legend(handles=[Patch(color=color_of[g], label=g) for g in group_names],
                   loc='lower center', ncol=min(len(group_names), 7), fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.06 if group_names else 0, 1, 0.97 if title else 1))
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path
