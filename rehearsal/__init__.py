"""The production rehearsal (`bin/rehearse`): every Procfile process as deployed, on one machine."""
