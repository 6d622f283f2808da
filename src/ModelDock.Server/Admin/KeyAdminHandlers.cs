using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelDock.Access;
using ModelDock.Errors;

namespace ModelDock.Server.Admin;

/// <summary><c>/api/keys</c>: API keys, listed without their secrets; a new key's token is in the creation answer only.</summary>
internal static class KeyAdminHandlers
{
    public static Task<IReadOnlyList<ApiKeyInfo>> ListAsync(ApiKeys keys, CancellationToken cancellationToken) => keys.ListAsync(cancellationToken);

    public static async Task<Created<CreatedKey>> CreateAsync(CreateKeyRequest request, ApiKeys keys, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var role = ParseRole(request?.Role);
        var (key, token) = await keys.CreateAsync(request!.Name, role, Caller.Name(user), cancellationToken);
        return TypedResults.Created($"/api/keys/{key.Id}", new CreatedKey(key.Id, key.Name, ApiKeyRoles.Text(key.Role), token));
    }

    public static async Task<NoContent> RevokeAsync(string id, ApiKeys keys, CancellationToken cancellationToken)
    {
        await keys.RevokeAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static ApiKeyRole ParseRole(string? role) => role is "admin" or "inference"
        ? ApiKeyRoles.Parse(role)
        : throw ModelDockException.InvalidInput($"role: '{role}' is not admin or inference");
}
