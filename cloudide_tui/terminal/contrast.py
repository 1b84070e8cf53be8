"""Minimum contrast for a terminal's text: WCAG's contrast ratio, and the nearest colour
that reaches it.

A program picks colours for a dark terminal (or a light one) and cannot know which theme
draws them: ANSI white on Textual's light themes, bright black on some dark ones, were
close to invisible. Like xterm.js's ``minimumContrastRatio`` (and VS Code's terminal, 4.5
by default), a foreground too close to its background is moved, keeping its hue, towards
black on a light background and towards white on a dark one, just far enough.
"""

from __future__ import annotations

RGB = tuple[int, int, int]


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance: 0 (black) to 1 (white)."""
    red, green, blue = rgb
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(first: RGB, second: RGB) -> float:
    """WCAG 2 contrast ratio of two colours: 1 (same) to 21 (black on white)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _mix(rgb: RGB, target: RGB, amount: float) -> RGB:
    r, g, b = (round(c + (t - c) * amount) for c, t in zip(rgb, target, strict=True))
    return (r, g, b)


def ensure_contrast(foreground: RGB, background: RGB, minimum: float, steps: int = 20) -> RGB:
    """``foreground`` if it contrasts with ``background`` by at least ``minimum``, else the
    first colour on the way from it to black (light background) or to white (dark one)
    that does; black or white themselves if none does (a ``minimum`` above what the
    background allows)."""
    if contrast_ratio(foreground, background) >= minimum:
        return foreground
    # Away from the background: to black where black contrasts with it more than white.
    black, white = (0, 0, 0), (255, 255, 255)
    target = (
        black if contrast_ratio(black, background) >= contrast_ratio(white, background) else white
    )
    for step in range(1, steps + 1):
        candidate = _mix(foreground, target, step / steps)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return target
