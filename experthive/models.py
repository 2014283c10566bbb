from django.db import models


class ClockRun(models.Model):
    """One run of one clock job: the shared record every clock reads to decide whether a job is due."""

    job = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True, help_text="Empty while the job runs, or if its clock died mid-job.")
    host = models.CharField(max_length=200, help_text="The dyno or host, and the process id, that ran it.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"], name="clockrun_job_latest")]

    def __str__(self) -> str:
        return f"{self.job} at {self.started_at:%Y-%m-%d %H:%M:%S}"
