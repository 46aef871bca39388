import { parseAuthChallenge } from './challenge';

describe('parseAuthChallenge', () => {
  it('reads a bearer challenge', () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/debian:pull',
    });
  });

  it('reads quoted commas, escapes, spaces and unquoted values', () => {
    expect(
      parseAuthChallenge(
        'bearer realm = "http://a/t?x=1" , service=reg, scope="repository:a/b:pull,push" , note="a \\"q\\""',
      ),
    ).toEqual({
      scheme: 'bearer',
      realm: 'http://a/t?x=1',
      service: 'reg',
      scope: 'repository:a/b:pull,push',
    });
  });

  it('reads basic challenges and ignores others', () => {
    expect(parseAuthChallenge('Basic realm="registry"')).toEqual({
      scheme: 'basic',
    });
    expect(parseAuthChallenge('Negotiate abc')).toBeUndefined();
    expect(parseAuthChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseAuthChallenge(null)).toBeUndefined();
  });
});
