import { registerRootComponent } from 'expo';

import App from './src/App';

// Registers the root component for Expo Go, native builds and the web alike.
registerRootComponent(App);
