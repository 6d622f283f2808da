namespace ModelDock.Access;

/// <summary>How a role is written in a key store: its lower-case name, so a stored key reads the same after the enum is reordered.</summary>
internal static class ApiKeyRoles
{
    public static string Text(ApiKeyRole role) => role switch
    {
        ApiKeyRole.Inference => "inference",
        ApiKeyRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not an API key role"),
    };

    public static ApiKeyRole Parse(string text) => text switch
    {
        "inference" => ApiKeyRole.Inference,
        "admin" => ApiKeyRole.Admin,
        _ => throw new InvalidDataException($"a stored API key has the unknown role '{text}'"),
    };
}
