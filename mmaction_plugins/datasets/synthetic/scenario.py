"""Scenario planning: who does what, when, in one video.

The video is cut into 3 s *slots*. In every slot each actor runs one program (idle, walk, run,
jump, spin, stand beside an object, leave and later return, or a pair program with a same-lane
partner: approach, chase, talk, hand over), then possibly an arm gesture (wave, point, raise arm).
Program choice is weighted by the long-tail class weights (``Knobs.class_balance``). Each video
has a *theme* class, scripted at least once (Kinetics-TPS's one category per video); themes go
round-robin through the non-pose classes in a seeded order, per split, so every class is the
theme of some videos even under a strong long tail. A video may have a lamp cue; some actors
then stand still for 4-7 s ("wait").

Planning only writes pose tracks, objects and scripted intents; :mod:`.labels` turns the result
into ground truth by rules, so the labels always describe what is rendered.
"""

from __future__ import annotations

import math

import numpy as np

from mmaction_plugins.datasets.synthetic import programs as prog
from mmaction_plugins.datasets.synthetic.actors import Actor, Appearance, PoseTrack, person_boxes
from mmaction_plugins.datasets.synthetic.actors import skeleton as skel
from mmaction_plugins.datasets.synthetic.classes import CLASS_BY_NAME, CLASSES
from mmaction_plugins.datasets.synthetic.labels import CONTEXT_GAP, context_margin
from mmaction_plugins.datasets.synthetic.presets import Preset
from mmaction_plugins.datasets.synthetic.scene import (
    CONTEXT_OBJECT,
    OBJECT_KINDS,
    Lamp,
    Scene,
    SceneObject,
    background,
    camera_path,
    height_at,
)

__all__ = ['INTENT_CLASSES', 'class_weights', 'build_scene', 'theme_order']

SLOT_SECONDS = 3.0
INTENT_CLASSES: tuple[str, ...] = ('jump', 'spin', 'hand over', 'wave', 'point', 'raise arm')
_SINGLE = ('walk', 'run', 'jump', 'spin', 'kick ball', 'pick up box', 'open door', 'return')
_PAIR = ('approach', 'chase', 'talk', 'hand over')
_GESTURES = ('wave', 'point', 'raise arm')
# (min, max) centre distance, in heights, for a same-lane partner of each pair program
_PAIR_RANGE = {'approach': (1.8, 5.0), 'chase': (0.7, 2.2), 'talk': (0.55, 3.5),
               'hand over': (0.55, 3.5)}
_PROGRAM_RATE = 0.5
_PAIR_RATE = 1.0  # pair programs need a free same-lane partner, so they are offered more often


def class_weights(class_balance: float) -> dict[str, float]:
    """Long-tail weight ``(rank + 1) ** -class_balance`` of every class."""
    return {c.name: float((c.rank + 1) ** -class_balance) for c in CLASSES}


class _Planner:
    """Builds one :class:`Scene` (used once per video)."""

    def __init__(self, rng: np.random.Generator, preset: Preset, video_id: str) -> None:
        self.rng, self.preset, self.video_id = rng, preset, video_id
        self.fps, self.width, self.height = preset.fps, preset.width, preset.height
        self.n = preset.seconds * preset.fps
        self.knobs = preset.knobs
        self.w = class_weights(self.knobs.class_balance)
        pw = np.array([self.w['stand'], self.w['crouch'], self.w['lie']])
        self.posture_p = pw / pw.sum()
        self.actors: list[Actor] = []
        self.objects: list[SceneObject] = []
        self.offstage: list[bool] = []
        self.away_until: list[int] = []
        self.waiter_until: list[int] = []
        self.intents: dict[str, np.ndarray] = {}

    # ---------------------------------------------------------------- set-up
    def _sec(self, lo: float, hi: float) -> int:
        return int(round(self.rng.uniform(lo, hi) * self.fps))

    def _lanes(self, count: int) -> np.ndarray:
        lo, hi = 0.64 * self.height, 0.97 * self.height
        span = (hi - lo) * (1.0 - 0.8 * self.knobs.occlusion)
        start = self.rng.uniform(lo, hi - span)
        return np.sort(self.rng.uniform(start, start + span, size=count))

    def _make_actors(self, theme: str, empty_start: bool) -> None:
        k_lo, k_hi = self.knobs.actors
        count = int(self.rng.integers(k_lo, k_hi + 1))
        lanes = self._lanes(int(self.rng.integers(1, min(count, 3) + 1)))
        for i in range(count):
            lane = float(lanes[self.rng.integers(0, len(lanes))])
            if i == 1 and theme in _PAIR:
                lane = self.actors[0].ground_y
            h = height_at(lane, self.height)
            actor = Actor(actor_id=i, appearance=Appearance.sample(self.rng), ground_y=lane,
                          height=h, lie_dir=int(self.rng.choice([-1, 1])),
                          track=PoseTrack.still(self.n, 0.0))
            keep = i == 0 or (i == 1 and theme in _PAIR)
            off = not keep and (empty_start or self.rng.random() < 0.15)
            off = off or (empty_start and i == 0)
            if off:
                x = prog.offstage_x(actor, self.width, int(self.rng.choice([-1, 1])))
            elif i == 1 and theme in _PAIR:
                lo, hi = {'approach': (2.5, 4.0), 'chase': (0.8, 1.4)}.get(theme, (1.2, 2.5))
                side = 1.0 if self.actors[0].track.x[0] < self.width / 2 else -1.0
                x = self.actors[0].track.x[0] + side * self.rng.uniform(lo, hi) * h
                x = float(np.clip(x, 0.04 * self.width, 0.96 * self.width))
            elif i == 0 and theme == 'chase':  # start near an edge: the chase crosses the frame
                x = self.rng.choice([0.06, 0.94]) * self.width
            else:
                x = self.rng.uniform(0.12, 0.88) * self.width
            actor.track.x[:] = x
            self.actors.append(actor)
            self.offstage.append(bool(off))
            self.away_until.append(0)
            self.waiter_until.append(-1)
        self.intents = {c: np.zeros((count, self.n), dtype=bool) for c in INTENT_CLASSES}

    def _distractor_objects(self) -> None:
        for _ in range(int(self.rng.poisson(self.knobs.object_density))):
            kind = OBJECT_KINDS[int(self.rng.integers(0, len(OBJECT_KINDS)))]
            lane = self.actors[int(self.rng.integers(0, len(self.actors)))].ground_y
            scale = height_at(lane, self.height)
            for _try in range(10):
                x = self.rng.uniform(0.05, 0.95) * self.width
                if all(abs(a.track.x[0] - x) > 1.5 * a.height for a in self.actors
                       if a.ground_y == lane):
                    self.objects.append(self._object(kind, x, lane, scale))
                    break

    def _object(self, kind: str, x: float, lane: float, scale: float) -> SceneObject:
        colour = tuple(int(c) for c in self.rng.integers(30, 250, size=3))
        return SceneObject(kind=kind, x=float(x), ground_y=float(lane), scale=float(scale),
                           colour=(colour[0], colour[1], colour[2]))

    # ---------------------------------------------------------------- programs
    def _onstage_check(self, a: int, start: int, stop: int, away: tuple[float, float]) -> None:
        actor = self.actors[a]
        xs = actor.track.x[start:stop]
        out = np.nonzero(np.abs(xs - self.width / 2) >= self.width / 2 + 0.2 * actor.height)[0]
        if len(out):
            self.offstage[a] = True
            self.away_until[a] = start + int(out[0]) + self._sec(*away)

    def _walk_or_run(self, a: int, start: int, stop: int, run: bool) -> None:
        actor = self.actors[a]
        x = actor.track.x[start]
        if run:  # back and forth, turning at the edges, so runs stay in view
            t0 = start + self._sec(0.0, 0.4)
            direction = -1.0 if x > self.width / 2 else 1.0
            speed = direction * self.rng.uniform(*prog.RUN_SPEED) * actor.height / self.fps
            prog.shuttle(actor, t0, min(stop, t0 + self._sec(1.8, 2.6)), speed, self.width)
            return
        direction = float(self.rng.choice([-1.0, 1.0]))  # may leave the frame
        speed, dur = self.rng.uniform(*prog.WALK_SPEED), self._sec(1.5, 2.8)
        t0 = start + self._sec(0.0, 0.6)
        t1 = min(stop, t0 + dur)
        if t1 - t0 >= self.fps // 2:
            prog.translate(actor, t0, t1, direction * speed * actor.height / self.fps, self.width)
            self._onstage_check(a, t0, stop, (1.0, 5.0))

    def _leave(self, a: int, start: int, stop: int) -> None:
        actor = self.actors[a]
        x = actor.track.x[start]
        direction = 1.0 if x > self.width / 2 else -1.0
        t0 = start + self._sec(0.0, 0.4)
        dist = abs(prog.offstage_x(actor, self.width, int(direction)) - x)
        need = dist / max(1, stop - t0 - self.fps // 3) / actor.height * self.fps
        speed = min(max(self.rng.uniform(*prog.WALK_SPEED), need), prog.RUN_SPEED[1])
        prog.translate(actor, t0, stop, direction * speed * actor.height / self.fps, self.width)
        self._onstage_check(a, t0, stop, (3.3, 5.0))

    def _enter(self, a: int, start: int, stop: int) -> None:
        """Walk in from off-frame (continued in the next slot if not in view by the end)."""
        actor = self.actors[a]
        t0 = max(start, self.away_until[a]) + self._sec(0.0, 0.8)
        if stop - t0 < int(0.6 * self.fps):
            return
        target = self.rng.uniform(0.15, 0.85) * self.width
        x = actor.track.x[t0]
        speed = self.rng.uniform(*prog.WALK_SPEED) * actor.height / self.fps
        prog.translate(actor, t0, stop, math.copysign(speed, target - x), self.width, target)
        x_end = actor.track.x[stop - 1]
        self.offstage[a] = not 0.5 * actor.height <= x_end <= self.width - 0.5 * actor.height

    def _pair_candidates(self, a: int, program: str, free: set[int], start: int) -> list[int]:
        actor = self.actors[a]
        lo, hi = _PAIR_RANGE[program]
        out = []
        for b in sorted(free - {a}):
            other = self.actors[b]
            if self.offstage[b] or self.waiter_until[b] >= start or other.ground_y != \
                    actor.ground_y:
                continue
            dist = abs(other.track.x[start] - actor.track.x[start]) / actor.height
            if lo <= dist <= hi:
                out.append(b)
        return out

    def _meet(self, a: int, b: int, start: int, stop: int, gap: float) -> int:
        """Walk ``a`` and ``b`` towards each other until their centres are ``gap`` apart."""
        xa, xb = self.actors[a].track.x[start], self.actors[b].track.x[start]
        h = self.actors[a].height
        direction = 1.0 if xb > xa else -1.0
        cover = (abs(xb - xa) - abs(gap)) / 2
        if cover <= 0.5:
            return start
        budget = int(1.5 * self.fps)
        speed = max(self.rng.uniform(*prog.WALK_SPEED) * h / self.fps, cover / budget)
        frames = int(math.ceil(cover / speed))
        end = min(stop, start + frames)
        prog.translate(self.actors[a], start, end, direction * speed, self.width,
                       xa + direction * cover)
        prog.translate(self.actors[b], start, end, -direction * speed, self.width,
                       xb - direction * cover)
        return end

    def _talk(self, a: int, b: int, start: int, stop: int) -> None:
        h = self.actors[a].height
        dist = abs(self.actors[b].track.x[start] - self.actors[a].track.x[start])
        gap = min(dist, self.rng.uniform(0.75, 1.4) * h)
        t1 = self._meet(a, b, start, stop, gap)
        ref = t1 - 1 if t1 > start else start
        xa, xb = self.actors[a].track.x[ref], self.actors[b].track.x[ref]
        prog.face(self.rng, self.actors[a].track, t1, stop, xb - xa)
        prog.face(self.rng, self.actors[b].track, t1, stop, xa - xb)

    def _hand_over(self, a: int, b: int, start: int, stop: int) -> None:
        ta, tb = self.actors[a].track, self.actors[b].track
        posture = ta.posture[start] if ta.posture[start] != 2 else 0
        ta.posture[start:stop] = tb.posture[start:stop] = posture
        xa, xb = ta.x[start], tb.x[start]
        prog.face(self.rng, ta, start, stop, xb - xa)
        prog.face(self.rng, tb, start, stop, xa - xb)
        prog.reach_out(self.rng, ta, start, stop)
        prog.reach_out(self.rng, tb, start, stop)
        reach_a = prog.wrist_x(self.actors[a], start) - xa
        reach_b = prog.wrist_x(self.actors[b], start) - xb
        gap = reach_a - reach_b  # signed xb - xa at which the hands meet
        t1 = self._meet(a, b, start, stop, gap)
        if t1 < stop:  # close the last pixel exactly: the hands touch
            ref = t1 - 1 if t1 > start else start
            meet = 0.5 * (ta.x[ref] + reach_a + tb.x[ref] + reach_b)
            ta.x[t1:] = meet - reach_a
            tb.x[t1:] = meet - reach_b
        if stop - t1 >= self.fps:
            self.intents['hand over'][[a, b], t1:stop] = True

    def _approach(self, a: int, b: int, start: int, stop: int) -> None:
        actor = self.actors[a]
        xa, xb = actor.track.x[start], self.actors[b].track.x[start]
        direction = 1.0 if xb > xa else -1.0
        target = xb - direction * self.rng.uniform(0.9, 1.6) * actor.height
        t0 = start + self._sec(0.0, 0.4)
        t1 = min(stop, t0 + self._sec(1.2, 2.2))
        speed = self.rng.uniform(*prog.WALK_SPEED) * actor.height / self.fps
        prog.translate(actor, t0, t1, direction * speed, self.width, target)

    def _chase(self, a: int, b: int, start: int, stop: int) -> None:
        xa, xb = self.actors[a].track.x[start], self.actors[b].track.x[start]
        # run the way the one in front has more room; the one behind chases
        direction = 1.0 if self.width - max(xa, xb) > min(xa, xb) else -1.0
        if (xb - xa) * direction < 0:
            a, b, xa, xb = b, a, xb, xa
        h = self.actors[a].height
        speed = self.rng.uniform(1.0, 1.3) * h / self.fps
        t0 = start + self._sec(0.0, 0.3)
        t1 = stop
        prog.translate(self.actors[b], t0, t1, direction * speed, self.width)
        prog.translate(self.actors[a], t0, t1, direction * speed * 1.05, self.width)
        for i in (a, b):
            self._onstage_check(i, t0, stop, (1.0, 5.0))

    def _context(self, a: int, cls: str, start: int, stop: int) -> None:
        """Place the object of context class ``cls`` beside actor ``a`` (after its slot is set)."""
        actor = self.actors[a]
        boxes = person_boxes(skel(actor)[start:stop], actor.height)
        kind = CONTEXT_OBJECT[cls]
        ow, _ = SceneObject.size(kind, actor.height)
        m = context_margin(actor.height)
        side = float(self.rng.choice([-1.0, 1.0]))
        if side > 0:
            near = boxes[:, 2].max() + CONTEXT_GAP + 1.5 + ow / 2
            slack = (boxes[:, 2] + m).min() - near
        else:
            near = boxes[:, 0].min() - CONTEXT_GAP - 1.5 - ow / 2
            slack = near - (boxes[:, 0] - m).max()
        x = near + side * self.rng.uniform(0.0, max(0.0, slack))
        self.objects.append(self._object(kind, x, actor.ground_y, actor.height))

    def _gesture(self, a: int, name: str, start: int, stop: int, busy_right: bool) -> None:
        tr = self.actors[a].track
        length = min(stop - start, self._sec(1.2, 2.5))
        t0 = start + int(self.rng.integers(0, stop - start - length + 1))
        side = 0 if busy_right else int(self.rng.integers(0, 2))
        if name == 'wave':
            prog.wave(self.rng, tr, side, t0, t0 + length, self.fps)
        elif name == 'point':
            prog.point(self.rng, tr, side, t0, t0 + length)
        else:
            prog.raise_arm(self.rng, tr, side, t0, t0 + length)
        self.intents[name][a, t0:t0 + length] = True

    # ---------------------------------------------------------------- the plan
    def _choose(self, a: int, free: set[int], start: int, forced: str | None
                ) -> tuple[str, int | None]:
        late = start > self.n - 9 * self.fps
        waiting = self.waiter_until[a] >= start and forced is None
        options: list[tuple[str, float]] = [('idle', 1.0)]
        for name in _SINGLE:
            if waiting and CLASS_BY_NAME[name].group != 'context':
                continue
            if name == 'return' and late:
                continue
            options.append((name, _PROGRAM_RATE * self.w[name]))
        partners: dict[str, list[int]] = {}
        if not waiting:
            for name in _PAIR:
                cands = self._pair_candidates(a, name, free, start)
                if cands:
                    partners[name] = cands
                    options.append((name, _PAIR_RATE * self.w[name]))
        names = [o[0] for o in options]
        if forced is not None and forced in names:
            name = forced
        else:
            p = np.array([o[1] for o in options])
            name = names[int(self.rng.choice(len(options), p=p / p.sum()))]
        partner = None
        if name in partners:
            cands = partners[name]
            partner = cands[int(self.rng.integers(0, len(cands)))]
        return name, partner

    def _slot(self, start: int, stop: int, theme: str | None) -> bool:
        """Script one slot; ``theme`` (if given) is forced on one actor. Returns whether it was."""
        order = [int(i) for i in self.rng.permutation(len(self.actors))]
        theme_actor = None
        if theme is not None:
            onstage = [a for a in order if not self.offstage[a]]
            theme_actor = (0 if not self.offstage[0] else None) if theme in _PAIR else \
                (onstage[0] if onstage else None)
        if theme_actor is not None:
            order.remove(theme_actor)
            order.insert(0, theme_actor)
        done = False
        free = set(order)
        hand_over: set[int] = set()
        contexts: list[tuple[int, str]] = []
        for a in order:
            if a not in free:
                continue
            free.discard(a)
            tr = self.actors[a].track
            prog.static_pose(self.rng, tr, start, stop, self.posture_p, self.fps)
            if self.offstage[a]:
                self._enter(a, start, stop)
                continue
            forced = theme if a == theme_actor and theme not in _GESTURES else None
            name, partner = self._choose(a, free, start, forced)
            done = done or (forced is not None and name == forced)
            if partner is not None:
                free.discard(partner)
                prog.static_pose(self.rng, self.actors[partner].track, start, stop,
                                 self.posture_p, self.fps)
            if name in ('walk', 'run'):
                self._walk_or_run(a, start, stop, run=name == 'run')
            elif name == 'jump':
                t0 = start + self._sec(0.0, 0.5)
                t1 = min(stop, t0 + self._sec(1.5, 2.5))
                prog.hop(self.rng, tr, t0, t1, self.fps)
                self.intents['jump'][a, t0:t1] = True
            elif name == 'spin':
                t0 = start + self._sec(0.0, 0.5)
                t1 = min(stop, t0 + self._sec(1.5, 2.5))
                prog.spin(self.rng, tr, t0, t1, self.fps)
                self.intents['spin'][a, t0:t1] = True
            elif name in CONTEXT_OBJECT:
                contexts.append((a, name))
            elif name == 'return':
                self._leave(a, start, stop)
            elif partner is not None:
                {'talk': self._talk, 'hand over': self._hand_over, 'approach': self._approach,
                 'chase': self._chase}[name](a, partner, start, stop)
                if name == 'hand over':
                    hand_over.update((a, partner))
        gesture_rate = _PROGRAM_RATE * sum(self.w[g] for g in _GESTURES)
        for a in range(len(self.actors)):
            if self.offstage[a]:
                continue
            forced_gesture = a == theme_actor and theme in _GESTURES
            done = done or forced_gesture
            if forced_gesture or self.rng.random() < gesture_rate / (1.0 + gesture_rate):
                p = np.array([self.w[g] for g in _GESTURES])
                if forced_gesture and theme is not None:
                    gesture = theme
                else:
                    gesture = _GESTURES[int(self.rng.choice(len(_GESTURES), p=p / p.sum()))]
                self._gesture(a, gesture, start, stop, busy_right=a in hand_over)
        for a, cls in contexts:
            self._context(a, cls, start, stop)
        return done

    def build(self, theme: str) -> Scene:
        """Plan the whole video around ``theme``."""
        rng, knobs = self.rng, self.knobs
        empty_start = (theme not in _PAIR and theme not in ('return', 'wait')
                       and rng.random() < knobs.empty_start)
        margin = int(math.ceil(knobs.camera_motion)) + 1
        bg = background(rng, self.width, self.height, margin, knobs.clutter)
        camera = camera_path(rng, self.n, knobs.camera_motion)
        lamp = Lamp(x=float(rng.uniform(0.1, 0.9) * self.width), y=0.08 * self.height,
                    radius=max(3.0, 0.035 * self.height))
        self._make_actors(theme, empty_start)
        self._distractor_objects()
        cue = None
        if theme == 'wait' or rng.random() < 0.5:
            cue = int(rng.integers(2 * self.fps, max(2 * self.fps + 1, self.n - 6 * self.fps)))
        slot = int(SLOT_SECONDS * self.fps)
        bounds = list(range(0, self.n, slot))
        if self.n - bounds[-1] < self.fps:
            bounds.pop()
        bounds.append(self.n)
        theme_done = theme == 'wait'  # scripted through the cue below
        for k in range(len(bounds) - 1):
            start, stop = bounds[k], bounds[k + 1]
            if cue is not None and start <= cue < stop:
                onstage = [a for a, actor in enumerate(self.actors) if not self.offstage[a]
                           and 0.3 * actor.height <= actor.track.x[cue]
                           <= self.width - 0.3 * actor.height]
                for a in onstage:
                    if (theme == 'wait' and a == onstage[0]) or rng.random() < 0.5:
                        self.waiter_until[a] = cue + self._sec(4.0, 7.0)
            forced = None if theme_done or theme == 'wait' else theme
            theme_done = self._slot(start, stop, forced) or theme_done
        for each in self.actors:
            each.track.yaw = np.mod(each.track.yaw, 2 * np.pi)
        return Scene(video_id=self.video_id, num_frames=self.n, width=self.width,
                     height=self.height, fps=self.fps, actors=self.actors, objects=self.objects,
                     lamp=lamp, cue_frame=cue, camera=camera, background=bg, margin=margin,
                     theme=theme, intents=self.intents)


def theme_order(rng: np.random.Generator) -> list[str]:
    """The non-pose classes in a random order: videos take their themes from it round-robin."""
    names = [c.name for c in CLASSES if c.group != 'pose']
    return [names[int(i)] for i in rng.permutation(len(names))]


def build_scene(rng: np.random.Generator, preset: Preset, video_id: str, theme: str) -> Scene:
    """Plan one video of ``preset`` around the (non-pose) class ``theme``.

    ``rng`` is the only source of randomness.
    """
    if CLASS_BY_NAME[theme].group == 'pose':
        raise ValueError(f'theme {theme!r} is a pose class; pose classes are in every video')
    return _Planner(rng, preset, video_id).build(theme)
