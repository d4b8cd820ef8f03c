"""Host-side biometric tooling: dataset readers and the evaluation command."""
