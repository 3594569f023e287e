"""The background loop: run each registered job (tick, deliver, sync …) until idle, then sleep."""
