// ${{ values.name }}: ${{ values.description }}
const http = require('node:http');

const port = Number(process.env.PORT ?? 8080);

http
  .createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ service: '${{ values.name }}' }));
  })
  .listen(port);
