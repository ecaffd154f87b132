using System.Net;
using System.Net.Sockets;

namespace SslSharp.Tests.Data;

/// <summary>
/// Serves byte arrays by file name from an <see cref="HttpListener"/> on 127.0.0.1 (a free port), honouring
/// <c>Range: bytes=N-</c> with 206 when <see cref="HonourRange"/> is set, and records the Range header of each request.
/// </summary>
internal sealed class LocalFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files;
    private readonly Task _loop;

    public LocalFileServer(Dictionary<string, byte[]> files)
    {
        _files = files;
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUrl);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; private set; } = "";

    public bool HonourRange { get; init; } = true;

    /// <summary>The Range header of every request, in order (null: none).</summary>
    public List<string?> Ranges { get; } = [];

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            var range = ctx.Request.Headers["Range"];
            lock (Ranges) Ranges.Add(range);
            var response = ctx.Response;
            try
            {
                if (!_files.TryGetValue(ctx.Request.Url!.AbsolutePath.TrimStart('/'), out var bytes))
                {
                    response.StatusCode = 404;
                    continue;
                }
                long from = 0;
                if (HonourRange && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
                {
                    from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
                    if (from >= bytes.Length)
                    {
                        response.StatusCode = 416;
                        response.Headers["Content-Range"] = $"bytes */{bytes.Length}";
                        continue;
                    }
                    response.StatusCode = 206;
                    response.Headers["Content-Range"] = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
                }
                response.ContentLength64 = bytes.Length - from;
                await response.OutputStream.WriteAsync(bytes.AsMemory((int)from));
            }
            catch (HttpListenerException) { }
            finally
            {
                try { response.Close(); } catch (ObjectDisposedException) { }
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
