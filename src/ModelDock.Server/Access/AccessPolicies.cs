using Microsoft.AspNetCore.Authorization;

namespace ModelDock.Server.Access;

/// <summary>
/// The two authorization policies ModelDock's routes carry: inference (calling models, metadata, statistics) and
/// admin (everything that changes the server). What each demands depends on the <see cref="AccessMode"/>.
/// </summary>
public static class AccessPolicies
{
    public const string Inference = "ModelDock.Inference";

    public const string Admin = "ModelDock.Admin";

    internal const string Scheme = "ModelDockApiKey";

    internal static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Inference, p => p.AddAuthenticationSchemes(Scheme).AddRequirements(new AccessRequirement(AccessRequirement.Surface.Inference)));
        options.AddPolicy(Admin, p => p.AddAuthenticationSchemes(Scheme).AddRequirements(new AccessRequirement(AccessRequirement.Surface.Admin)));
    }
}
