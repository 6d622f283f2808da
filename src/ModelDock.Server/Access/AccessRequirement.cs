using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ModelDock.Access;
using ModelDock.Server.Hosting;

namespace ModelDock.Server.Access;

/// <summary>
/// One rule for every route: a valid key of the right role always passes; a key that is sent but invalid never does;
/// a call without a key passes only where the <see cref="AccessMode"/> leaves that surface open.
/// </summary>
internal sealed class AccessRequirement(AccessRequirement.Surface surface) : AuthorizationHandler<AccessRequirement>, IAuthorizationRequirement
{
    public enum Surface
    {
        Inference,
        Admin,
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        if (context.User.Identity?.IsAuthenticated == true)
        {
            if (requirement.Allows(context.User))
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new AuthorizationFailureReason(this, "an inference key cannot call the admin API; use an admin key"));
            }

            return Task.CompletedTask;
        }

        var sentKey = http is not null && ApiKeyAuthenticationHandler.HasCredentials(http.Request);
        var mode = http?.RequestServices.GetService(typeof(IOptions<ModelDockServerOptions>)) is IOptions<ModelDockServerOptions> options
            ? options.Value.Access
            : AccessMode.RequireKeys;
        var open = mode == AccessMode.Open || (mode == AccessMode.ProtectChanges && requirement.On == Surface.Inference);
        if (open && !sentKey)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private Surface On { get; } = surface;

    private bool Allows(ClaimsPrincipal user) => On == Surface.Inference || user.IsInRole(nameof(ApiKeyRole.Admin));
}
