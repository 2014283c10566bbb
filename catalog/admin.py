from django.contrib import admin

from catalog.models import Level, Subject


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["name", "system", "position", "is_active"]
    list_filter = ["system", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
