from django.contrib import admin

from reviews import services
from reviews.models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["tutor", "student", "overall", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "overall"]
    search_fields = ["tutor__email", "student__email", "text"]
    readonly_fields = [f.name for f in Review._meta.fields if f.name != "is_hidden"] + ["is_hidden"]
    actions = ["hide", "unhide"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Hide selected reviews (moderation)")
    def hide(self, request, queryset):
        for review in queryset:
            services.set_review_hidden(review=review, by=request.user, hidden=True)
        self.message_user(request, "Hidden. The tutors' ratings no longer count them.")

    @admin.action(description="Show selected reviews again")
    def unhide(self, request, queryset):
        for review in queryset:
            services.set_review_hidden(review=review, by=request.user, hidden=False)
        self.message_user(request, "Shown again.")
