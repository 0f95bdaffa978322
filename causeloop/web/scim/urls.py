"""`/scim/`: the SCIM 2.0 service at `/scim/v2/` (a trailing slash is optional, as identity
providers differ). Any other path under `/scim/` answers SCIM's 404 error."""

from django.urls import URLPattern, path, re_path

from causeloop.web.scim import discovery, groups, users

ID = r"(?P<{}>[^/]+)"

urlpatterns: list[URLPattern] = [
    path("v2/", discovery.not_found, name="scim-root"),
    re_path(r"^v2/ServiceProviderConfig/?$", discovery.ServiceProviderConfigView.as_view()),
    re_path(r"^v2/ResourceTypes/?$", discovery.ResourceTypesView.as_view()),
    re_path(
        rf"^v2/ResourceTypes/{ID.format('resource_id')}/?$", discovery.ResourceTypeView.as_view()
    ),
    re_path(r"^v2/Schemas/?$", discovery.SchemasView.as_view()),
    re_path(rf"^v2/Schemas/{ID.format('resource_id')}/?$", discovery.SchemaView.as_view()),
    re_path(r"^v2/\.search/?$", discovery.RootSearchView.as_view()),
    re_path(r"^v2/Users/?$", users.UsersView.as_view()),
    re_path(r"^v2/Users/\.search/?$", users.UsersSearchView.as_view()),
    re_path(rf"^v2/Users/{ID.format('user_id')}/?$", users.UserView.as_view()),
    re_path(r"^v2/Groups/?$", groups.GroupsView.as_view()),
    re_path(r"^v2/Groups/\.search/?$", groups.GroupsSearchView.as_view()),
    re_path(rf"^v2/Groups/{ID.format('group_id')}/?$", groups.GroupView.as_view()),
    re_path(r"^(?P<rest>.*)$", discovery.not_found),
]
