namespace ModelDock.Errors;

/// <summary>
/// Every way a request can fail, named after the condition. Transports map these to HTTP and gRPC
/// status codes in exactly one place each; nothing else decides a status code.
/// </summary>
public enum ErrorKind
{
    /// <summary>The request is malformed or does not match the model's signature (400 / INVALID_ARGUMENT).</summary>
    InvalidInput,

    /// <summary>No such model, version or resource (404 / NOT_FOUND).</summary>
    NotFound,

    /// <summary>The request conflicts with the current state (409 / ALREADY_EXISTS or FAILED_PRECONDITION).</summary>
    Conflict,

    /// <summary>The call needs an API key and has none, or one that is not valid (401 / UNAUTHENTICATED).</summary>
    Unauthenticated,

    /// <summary>The caller's API key does not allow this call, e.g. an inference key on the admin API (403 / PERMISSION_DENIED).</summary>
    PermissionDenied,

    /// <summary>The request body exceeds the configured limit (413 / RESOURCE_EXHAUSTED).</summary>
    PayloadTooLarge,

    /// <summary>The request body is in an encoding the server does not decode (415).</summary>
    UnsupportedMediaType,

    /// <summary>
    /// The model's queue, the server's inference admission queue or its request memory budget is
    /// full; retrying later can succeed (429 / RESOURCE_EXHAUSTED).
    /// </summary>
    QueueFull,

    /// <summary>The model exists but cannot serve yet, or a dependency is down (503 / UNAVAILABLE).</summary>
    Unavailable,

    /// <summary>The request's deadline passed before it completed (504 / DEADLINE_EXCEEDED).</summary>
    Timeout,

    /// <summary>The caller went away (499 / CANCELLED).</summary>
    Cancelled,

    /// <summary>A fault inside ModelDock or the backend (500 / INTERNAL). Never used for a client's mistake.</summary>
    Internal,
}
