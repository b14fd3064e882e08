"""Discord rendering: pure builders of message payloads, buttons and modals."""
