using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ModelDock.Errors;

namespace ModelDock.Access;

/// <summary>
/// Creates and checks API keys. A key reads <c>mdk_&lt;id&gt;_&lt;secret&gt;</c>: the id finds the stored key, the
/// secret (32 random bytes) proves it, and only the secret's SHA-256 is stored — a fast hash is enough because the
/// secret is random, not a password. Lookups are cached for <see cref="CacheLifetime"/>, so checking a key costs no
/// store round trip per request; a key revoked on another replica stops working within that time.
/// </summary>
internal sealed class ApiKeys
{
    public const string Prefix = "mdk_";

    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private const int IdBytes = 6;
    private const int SecretBytes = 32;

    /// <summary>Beyond this many cached lookups the cache starts over, so clients sending random ids cannot grow it.</summary>
    private const int MaxCachedLookups = 10_000;

    private readonly IApiKeyStore _store;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedLookup> _cache = new(StringComparer.Ordinal);

    public ApiKeys(IApiKeyStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>Creates a key and returns it with its token, which is shown once and never stored.</summary>
    public async Task<(ApiKeyInfo Key, string Token)> CreateAsync(string name, ApiKeyRole role, string by, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw ModelDockException.InvalidInput("name: a key needs a name of 1 to 100 characters, e.g. the service or person that uses it");
        }

        if (!Enum.IsDefined(role))
        {
            throw ModelDockException.InvalidInput($"role: '{role}' is not admin or inference");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var key = new ApiKeyInfo(id, name, role, by, _time.GetUtcNow());
        await _store.AddAsync(key, Hash(secret), cancellationToken).ConfigureAwait(false);
        return (key, $"{Prefix}{id}_{secret}");
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken) => _store.ListAsync(cancellationToken);

    public async Task RevokeAsync(string id, CancellationToken cancellationToken)
    {
        await _store.RevokeAsync(id, cancellationToken).ConfigureAwait(false);
        _cache.TryRemove(id, out _);
    }

    public async Task<bool> AnyAdminAsync(CancellationToken cancellationToken) =>
        (await _store.ListAsync(cancellationToken).ConfigureAwait(false)).Any(k => k.Role == ApiKeyRole.Admin);

    /// <summary>The key a token belongs to, or null when the token is malformed, unknown, revoked or its secret is wrong.</summary>
    public async ValueTask<ApiKeyInfo?> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        const int idLength = IdBytes * 2;
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length < Prefix.Length + idLength + 2 || token[Prefix.Length + idLength] != '_')
        {
            return null;
        }

        var id = token.Substring(Prefix.Length, idLength);
        var now = _time.GetTimestamp();
        if (!_cache.TryGetValue(id, out var lookup) || _time.GetElapsedTime(lookup.At, now) > CacheLifetime)
        {
            lookup = new CachedLookup(await _store.FindAsync(id, cancellationToken).ConfigureAwait(false), now);
            if (_cache.Count >= MaxCachedLookups)
            {
                _cache.Clear();
            }

            _cache[id] = lookup;
        }

        var secret = token.AsSpan(Prefix.Length + idLength + 1);
        return lookup.Key is { } stored && CryptographicOperations.FixedTimeEquals(Hash(secret), stored.SecretHash) ? stored.Key : null;
    }

    private static byte[] Hash(ReadOnlySpan<char> secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret.ToString()));

    private sealed record CachedLookup(StoredApiKey? Key, long At);
}
