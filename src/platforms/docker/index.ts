export { DockerPlatform, type DockerPlatformOptions } from './docker-platform.ts';
export { LABEL, APP_DIR } from './container-spec.ts';
export { DockerEngine, EngineError, engineSocket, API_VERSION } from './engine-api.ts';
export { BASE_IMAGE, buildBaseImage, hasImage, sharedLibraries } from './base-image.ts';
