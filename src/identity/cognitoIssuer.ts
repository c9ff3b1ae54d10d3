import { CognitoJwtVerifier } from 'aws-jwt-verify';

/** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the one issuer the contract accepts. */
export function cognitoIssuer(userPoolId: string): string {
  return CognitoJwtVerifier.parseUserPoolId(userPoolId).issuer;
}
