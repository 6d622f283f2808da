using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelDock.Access;
using ModelDock.Errors;
using ModelDock.Server.Errors;
using ModelDock.Server.Grpc;
using ModelDock.Server.Rest;

namespace ModelDock.Server.Access;

/// <summary>
/// Reads <c>Authorization: Bearer &lt;key&gt;</c> (REST header or gRPC metadata) and checks the key against the key
/// store; the key's name becomes the caller's name, its role the caller's role. Refusals are answered in the
/// protocol's own error shape, naming what is missing.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";
    private const string StoreFailure = "ModelDock.KeyStoreFailure";

    public static bool HasCredentials(HttpRequest request) => request.Headers.ContainsKey(HeaderNames.Authorization);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderNames.Authorization, out var values))
        {
            return AuthenticateResult.NoResult();
        }

        var header = values.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("the Authorization header must be 'Bearer <API key>'");
        }

        if (Context.RequestServices.GetService(typeof(ApiKeys)) is not ApiKeys keys)
        {
            return AuthenticateResult.Fail("this server has no key store, so it accepts no API keys");
        }

        ApiKeyInfo? key;
        try
        {
            key = await keys.VerifyAsync(header[BearerPrefix.Length..].Trim(), Context.RequestAborted);
        }
        catch (ModelDockException e) when (e.Kind == ErrorKind.Unavailable)
        {
            Context.Items[StoreFailure] = e;
            return AuthenticateResult.Fail(e.Message);
        }

        if (key is null)
        {
            return AuthenticateResult.Fail("the API key is not valid: unknown, revoked or mistyped");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.NameIdentifier, key.Id), new Claim(ClaimTypes.Role, key.Role.ToString())],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[StoreFailure] is ModelDockException storeDown)
        {
            await WriteAsync(ErrorKind.Unavailable, $"cannot check the API key: {storeDown.Message}");
            return;
        }

        var result = await HandleAuthenticateOnceSafeAsync();
        await WriteAsync(ErrorKind.Unauthenticated, result.Failure?.Message
            ?? "this call needs an API key: send 'Authorization: Bearer <key>' (create one with 'modeldock keys create')");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteAsync(ErrorKind.PermissionDenied, "this call needs an admin key; the key sent is an inference key");

    private Task WriteAsync(ErrorKind kind, string message) =>
        GrpcResponses.IsGrpc(Context)
            ? GrpcResponses.WriteErrorAsync(Context, ErrorMapping.ToGrpcStatus(kind), message)
            : JsonResponses.WriteErrorAsync(Context, kind, message);
}
