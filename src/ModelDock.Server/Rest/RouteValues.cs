using Microsoft.AspNetCore.Http;

namespace ModelDock.Server.Rest;

internal static class RouteValues
{
    public static string? Model(HttpContext context) => context.Request.RouteValues["model"] as string;

    /// <summary>The version segment, or null when the route has none (the server picks).</summary>
    public static string? Version(HttpContext context) => context.Request.RouteValues["version"] as string;
}
