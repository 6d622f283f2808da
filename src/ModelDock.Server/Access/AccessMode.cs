namespace ModelDock.Server.Access;

/// <summary>Which calls need an API key, decided once from where the server listens and <c>RequireAuth</c>.</summary>
public enum AccessMode
{
    /// <summary>Loopback only: no call needs a key, but a key that is sent must be valid and allow the call.</summary>
    Open,

    /// <summary>Reachable from other machines: every call that changes the server needs an admin key; inference stays open.</summary>
    ProtectChanges,

    /// <summary><c>RequireAuth</c>: every call but health checks needs a key; changes need an admin key.</summary>
    RequireKeys,
}
