"""Live transcription: speech-to-text engines and the media stream Vonage sends us.

See docs/transcription.md.
"""
