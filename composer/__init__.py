"""jianbao: compose, publish and score work bulletins (简报)."""

__version__ = "0.1.0"
