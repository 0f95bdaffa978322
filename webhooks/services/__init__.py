"""The webhook rules: endpoints (`endpoints`) and deliveries (`deliveries`)."""
