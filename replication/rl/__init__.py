"""Language-model RL: small subclasses of TRL's trainers."""
