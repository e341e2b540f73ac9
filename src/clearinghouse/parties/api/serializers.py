"""How the API shows organisations, regions and the signed-in user."""

from typing import Any

from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from .. import second_factor as sf
from ..models import ApiToken, Organisation, Region, User


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ("id", "code", "name")


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = (
            "id", "code", "name", "kind", "iso3", "alliance_status", "gdp_eur", "gdp_year",
            "gdp_source", "non_lethal_only", "parent", "region", "version",
        )


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "first_name", "last_name", "organisation", "roles",
                  "clearance")


class ApiTokenSerializer(serializers.ModelSerializer):
    """A key as its owner sees it in the list: never the key itself."""

    class Meta:
        model = ApiToken
        fields = ("id", "name", "start", "created_at", "expires_at", "last_used_at",
                  "revoked_at", "second_factor")


class MakeTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, default="",
                                 help_text="What the key is for.")
    days = serializers.IntegerField(min_value=1, max_value=365, required=False,
                                    help_text="How long it is valid (default 30 days).")


class NewTokenSerializer(serializers.Serializer):
    """A key just made: shown this once; only its digest is kept."""

    id = serializers.IntegerField()
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class SignInSerializer(AuthTokenSerializer):
    """The API's sign-in: the password, and the code of the user's second factor when the user
    has one or must have one (``otp``: the app's six digits or a recovery code)."""

    otp = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=32, label="Code",
        help_text="The six digits of your authenticator app, or a recovery code: required "
                  "once your account has two-step sign-in, and always of coordinators and "
                  "administrators in production.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        user, code = attrs["user"], attrs.get("otp", "")
        if sf.has_second_factor(user):
            if not code:
                raise serializers.ValidationError(
                    {"otp": ["Enter the code of your second factor (otp): the six digits your "
                             "authenticator app shows, or a recovery code."]}, code="otp")
            check = sf.check_code(user, code, self.context.get("request"))
            if check.device is None:
                raise serializers.ValidationError({"otp": [check.problem]}, code="otp")
            attrs["second_factor"] = True
        elif sf.required_for(user):
            raise serializers.ValidationError(
                {"otp": ["Your account must have a second factor: sign in on the site and set "
                         "it up at /accounts/two-factor/ first."]}, code="otp")
        return attrs
