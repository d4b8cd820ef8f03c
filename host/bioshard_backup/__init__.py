"""`bioshard-backup`: the face-pass backup service (helper blobs, OPRF keys, heirs).

Nothing it stores can move funds or rebuild a biometric; see docs/backup-service.md.
"""
