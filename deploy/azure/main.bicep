// Jumpgate gateway VM inside an existing VNet: private targets stay private; only the gateway is exposed.
// az deployment group create -g RG -f deploy/azure/main.bicep -p vnetName=... subnetName=... adminSshKey="$(cat ~/.ssh/id_ed25519.pub)" distUrl=... allowedSources='["203.0.113.0/24"]'
// Jumpgate listens on 22 (cloud-init moves the VM's own sshd to 2200, which this NSG does not open: administer the VM
// with az vm run-command, or add a rule for 2200 from your admin range). This template grants the identity Reader on
// targetResourceGroup only; tagSelector (subscription Reader), NSG just-in-time rules and Blob recordings need the
// further roles in README.md.
param location string = resourceGroup().location
param vnetName string
param subnetName string
param vmName string = 'jumpgate'
param vmSize string = 'Standard_B2s'
param adminUser string = 'azureuser'
@secure()
param adminSshKey string
@description('URL of the jumpgate distribution tarball (in your own storage account)')
param distUrl string
@description('Source ranges allowed to reach the gateway (SSH 22 and the RDP NAT-pool ports), e.g. 203.0.113.0/24; required: an NSG rule needs sources')
@minLength(1)
param allowedSources array
@description('Resource group of the scale sets Jumpgate discovers (Reader is granted there)')
param targetResourceGroup string = resourceGroup().name

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' existing = {
  name: vnetName
}

resource subnet 'Microsoft.Network/virtualNetworks/subnets@2023-09-01' existing = {
  parent: vnet
  name: subnetName
}

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: '${vmName}-nsg'
  location: location
  properties: {
    securityRules: [
      {
        name: 'allow-jumpgate-ssh'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefixes: allowedSources
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '22'
        }
      }
      {
        name: 'allow-jumpgate-rdp-pool'
        properties: {
          priority: 110
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefixes: allowedSources
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '50000-50099'
        }
      }
    ]
  }
}

resource pip 'Microsoft.Network/publicIPAddresses@2023-09-01' = {
  name: '${vmName}-pip'
  location: location
  sku: { name: 'Standard' }
  properties: { publicIPAllocationMethod: 'Static' }
}

resource nic 'Microsoft.Network/networkInterfaces@2023-09-01' = {
  name: '${vmName}-nic'
  location: location
  properties: {
    networkSecurityGroup: { id: nsg.id }
    ipConfigurations: [
      {
        name: 'ipconfig1'
        properties: {
          subnet: { id: subnet.id }
          privateIPAllocationMethod: 'Dynamic'
          publicIPAddress: { id: pip.id }
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: vmName
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    hardwareProfile: { vmSize: vmSize }
    osProfile: {
      computerName: vmName
      adminUsername: adminUser
      customData: base64(replace(loadTextContent('cloud-init.yaml'), '\${JUMPGATE_DIST_URL}', distUrl))
      linuxConfiguration: {
        disablePasswordAuthentication: true
        ssh: { publicKeys: [ { path: '/home/${adminUser}/.ssh/authorized_keys', keyData: adminSshKey } ] }
      }
    }
    storageProfile: {
      imageReference: { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', version: 'latest' }
      osDisk: { createOption: 'FromImage', managedDisk: { storageAccountType: 'StandardSSD_LRS' } }
    }
    networkProfile: { networkInterfaces: [ { id: nic.id } ] }
  }
}

// Reader on the targets' resource group lets the managed identity list scale sets, instances and NICs.
module readerRole 'role-assignment.bicep' = {
  name: '${vmName}-reader'
  scope: resourceGroup(targetResourceGroup)
  params: {
    principalId: vm.identity.principalId
    roleDefinitionId: 'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
  }
}

output gatewayPublicIp string = pip.properties.ipAddress
output gatewayPrincipalId string = vm.identity.principalId
