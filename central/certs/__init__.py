"""Certificates printed at kiosks (自助打印证明) and the ratings (好差评) that
follow a service: issuing and signing, verification, print audit, and the
follow-up of bad reviews."""
