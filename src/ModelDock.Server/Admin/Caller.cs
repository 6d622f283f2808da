using System.Security.Claims;

namespace ModelDock.Server.Admin;

/// <summary>Who a change is recorded as made by: the API key's name, or <c>anonymous</c> where keys are optional.</summary>
internal static class Caller
{
    public static string Name(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? $"key:{user.Identity.Name}" : "anonymous";
}
