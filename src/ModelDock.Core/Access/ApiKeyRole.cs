namespace ModelDock.Access;

/// <summary>What a key may do: call models (inference, metadata, health) or also change the server (admin).</summary>
public enum ApiKeyRole
{
    Inference,
    Admin,
}
