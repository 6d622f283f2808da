namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// One fixed request an external load generator sends over and over: where to, over which HTTP
/// version, with which headers and body, and how many response body bytes a correct answer has.
/// </summary>
/// <param name="Url">The full request URL.</param>
/// <param name="Http2">True for HTTP/2 cleartext (gRPC), false for HTTP/1.1 keep-alive (REST).</param>
/// <param name="Headers">Request headers besides Content-Length, as <c>name: value</c>.</param>
/// <param name="Body">The request body, sent unchanged every time.</param>
/// <param name="ResponseBytes">Body bytes of the verified answer; a gRPC error answers with none.</param>
/// <param name="RowsPerRequest">Model rows the body carries.</param>
internal sealed record HttpLoad(Uri Url, bool Http2, IReadOnlyList<string> Headers, byte[] Body, long ResponseBytes, int RowsPerRequest);
