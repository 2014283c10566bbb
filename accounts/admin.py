from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts import services
from accounts.models import StudentProfile, TutorProfile, User


class StudentProfileInline(admin.StackedInline):
    model = StudentProfile
    can_delete = False
    extra = 0


class TutorProfileInline(admin.StackedInline):
    model = TutorProfile
    can_delete = False
    extra = 0
    filter_horizontal = ["subjects", "levels"]


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "role"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "role", "phone", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "full_name", "phone"]
    ordering = ["-date_joined"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["full_name", "phone", "phone_verified_at", "role"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "password1", "password2"]}),
    ]
    actions = ["deactivate"]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return {User.Role.STUDENT: [StudentProfileInline], User.Role.TUTOR: [TutorProfileInline]}.get(obj.role, [])

    @admin.action(description="Deactivate selected accounts (they can no longer log in)")
    def deactivate(self, request, queryset):
        count = services.deactivate_users(users=queryset, by=request.user)
        self.message_user(request, f"Deactivated {count} account(s).")
